import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The workspace packages export TypeScript source; Next compiles them with the app.
  transpilePackages: ["@whetstone/api", "@whetstone/core", "@whetstone/db", "@whetstone/queue", "@whetstone/storage"],
  // Native or Node-only modules stay outside the bundle and are required at run time.
  serverExternalPackages: [
    "argon2",
    "pg",
    "ioredis",
    "bullmq",
    "@prisma/client",
    "@prisma/adapter-pg",
    "@aws-sdk/client-s3",
    "@aws-sdk/lib-storage",
  ],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
