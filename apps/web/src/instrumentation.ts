/** Runs once when the server starts (Next's instrumentation hook). */
export async function register() {
  // eslint-disable-next-line no-restricted-properties -- Next's own runtime marker, not configuration
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { answerMethodsNextCannotRoute } = await import("./server/unsupported-methods");
  const { restRoutes } = await import("./server/routes/rest");
  answerMethodsNextCannotRoute((pathname) => restRoutes().allowedMethods(pathname));
}
