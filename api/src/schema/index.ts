import { builder } from './builder.js';
// One module per domain; importing them registers their types and fields on the builder.
import './scalars.js';
import './tenant.js';
import './projects.js';
import './api-keys.js';

builder.queryType({});
builder.mutationType({});

export const schema = builder.toSchema({ sortSchema: true });
