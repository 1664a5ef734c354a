# Web app, worker and the migration/seed tools, from one npm-workspaces build.
# The GPU runner has its own image: gpu-runner/Dockerfile.
FROM node:20.19-bookworm-slim AS deps
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 TURBO_TELEMETRY_DISABLED=1
COPY package.json package-lock.json turbo.json tsconfig.base.json prisma.config.ts ./
COPY prisma ./prisma
COPY apps/web/package.json apps/web/
COPY apps/worker/package.json apps/worker/
COPY packages/core/package.json packages/core/
COPY packages/db/package.json packages/db/
COPY packages/api/package.json packages/api/
COPY packages/queue/package.json packages/queue/
COPY packages/storage/package.json packages/storage/
RUN npm ci --no-audit --no-fund

FROM deps AS tools
COPY . .
RUN npx prisma generate

FROM tools AS web-build
RUN npx turbo run build --filter=@whetstone/web

FROM node:20.19-bookworm-slim AS web
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1
COPY --from=web-build /app /app
USER node
EXPOSE 3000
CMD ["npx", "next", "start", "apps/web", "-p", "3000"]

FROM node:20.19-bookworm-slim AS worker
WORKDIR /app
ENV NODE_ENV=production
COPY --from=tools /app /app
USER node
CMD ["npm", "start", "-w", "@whetstone/worker"]
