/**
 * Lambda handlers are built on the first invocation, not at import: configuration errors then
 * surface as a failed invocation with a clear message (and tests can set the environment first).
 */
export function lazyHandler<E, R>(build: () => (event: E) => Promise<R>): (event: E) => Promise<R> {
  let handler: ((event: E) => Promise<R>) | undefined;
  return (event) => {
    handler ??= build();
    return handler(event);
  };
}
