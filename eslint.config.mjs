// One lint setup for the whole TypeScript side (`npm run lint`); Python is linted with ruff in gpu-runner/.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/.next/**",
      "**/dist/**",
      "packages/db/src/generated/**",
      "gpu-runner/**",
      "test-results/**",
      "playwright-report/**",
      "**/next-env.d.ts",
      ".data/**",
      ".venv*/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Read the environment in the app's env.ts only." },
      ],
    },
  },
  {
    // Where reading the environment is the point.
    files: [
      "**/env.ts",
      "prisma.config.ts",
      "prisma/seed.ts",
      "scripts/**",
      "bench/**",
      "e2e/**",
      "playwright.config.ts",
      "**/test/**",
      "tests/**",
      "packages/db/src/testing.ts",
      "vitest.*.ts",
    ],
    rules: { "no-restricted-properties": "off" },
  },
);
