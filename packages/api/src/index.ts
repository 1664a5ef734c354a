export { appRouter, createCaller, type AppRouter } from "./root";
export { createContext, type ApiDeps, type ApiConfig, type Caller, type Context } from "./trpc";
export { AppError } from "./errors";
