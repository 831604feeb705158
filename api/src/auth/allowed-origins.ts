/**
 * Which origins may use widget tokens: those in the tenant's `allowedOrigins` (set with `updateTenant`
 * or `everjust tenant update --allowed-origins`), compared exactly (scheme, host and port, as browsers
 * send `Origin`). In embedded mode (the one-process start on a laptop) `http://localhost` and
 * `http://127.0.0.1` on any port are allowed too, so a local page works without setup.
 */

const LOOPBACK_ORIGIN = /^http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?$/;

/** The embedded start's default: a loopback origin over http on any port. */
export function isLoopbackOrigin(origin: string): boolean {
  return LOOPBACK_ORIGIN.test(origin);
}

export function isOriginAllowed(tenant: { allowedOrigins: readonly string[] }, origin: string, options: { embedded: boolean }): boolean {
  return tenant.allowedOrigins.includes(origin) || (options.embedded && isLoopbackOrigin(origin));
}
