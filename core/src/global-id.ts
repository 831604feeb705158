import { ValidationError } from './errors.js';

/**
 * Global (Relay) ids: base64url of `Type:uuid`. Every id in the API, the CLI and URLs is one of these.
 * A malformed id is BAD_USER_INPUT before it reaches the database.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeId(typename: string, id: string | number | bigint): string {
  return Buffer.from(`${typename}:${id}`, 'utf8').toString('base64url');
}

export function decodeId(globalId: string): { typename: string; id: string } {
  const decoded = /^[A-Za-z0-9_-]{1,200}$/.test(globalId) ? Buffer.from(globalId, 'base64url').toString('utf8') : '';
  const separator = decoded.indexOf(':');
  const typename = decoded.slice(0, separator);
  const id = decoded.slice(separator + 1);
  if (separator < 1 || !UUID.test(id)) throw new ValidationError(`Malformed id: ${JSON.stringify(globalId.slice(0, 100))}`);
  return { typename, id };
}

/** Decodes an id that must name a `typename`; another type is as good as absent. */
export function decodeIdOf(typename: string, globalId: string): string | null {
  const decoded = decodeId(globalId);
  return decoded.typename === typename ? decoded.id : null;
}
