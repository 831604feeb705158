import { builder } from './builder.js';
import { enforceTypeScopes } from './enforce-type-scopes.js';
import { refuseNulBytes } from './refuse-nul-bytes.js';
// One module per domain; importing them registers their types and fields on the builder.
import './scalars.js';
import './tenant.js';
import './projects.js';
import './api-keys.js';
import './files.js';
import './session-events.js';
import './sessions.js';
import './project-history.js';
import './project-import.js';
import './sandboxes.js';
import './preview-errors.js';
import './usage.js';
import './webhooks.js';
import './github.js';
import './deployments.js';
import './widget.js';
import './console.js';

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

// Scopes first: a caller without them learns nothing from how its arguments are checked.
export const schema = enforceTypeScopes(refuseNulBytes(builder.toSchema({ sortSchema: true })));
