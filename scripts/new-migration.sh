#!/usr/bin/env bash
# Makes a new committed SQL migration by diffing the last committed schema against prisma/schema.prisma.
# `prisma migrate dev` is unreliable offline (its shadow database); a diff needs no database.
set -euo pipefail
name=${1:?usage: npm run db:new-migration -- <name>}
cd "$(dirname "$0")/.."
prev=$(mktemp --suffix=.prisma)
trap 'rm -f "$prev"' EXIT
if git cat-file -e HEAD:prisma/schema.prisma 2>/dev/null; then
  git show HEAD:prisma/schema.prisma > "$prev"
  from=(--from-schema-datamodel "$prev")
else
  from=(--from-empty)
fi
dir="prisma/migrations/$(date -u +%Y%m%d%H%M%S)_${name}"
mkdir -p "$dir"
npx prisma migrate diff "${from[@]}" --to-schema-datamodel prisma/schema.prisma --script > "$dir/migration.sql"
echo "wrote $dir/migration.sql"
