import { builder } from './builder.js';
import { paginateById } from './pagination.js';
import { ProjectRef } from './projects.js';

/** What the preview's browsers reported (api/src/preview/): one per project and fingerprint. */
const PreviewErrorRef = builder.prismaObject('PreviewError', {
  description: "An error the project's preview reported from a real browser (uncaught error, unhandled rejection, console.error, failed resource load). Repeats count up.",
  fields: (t) => ({
    fingerprint: t.exposeString('fingerprint', { description: 'Same kind, message, source and position: same fingerprint.' }),
    kind: t.exposeString('kind', { description: 'error, unhandledrejection, console.error or resource.' }),
    message: t.exposeString('message', { description: 'At most 2,000 characters.' }),
    source: t.exposeString('source', { nullable: true, description: 'The script or resource URL.' }),
    line: t.exposeInt('line', { nullable: true }),
    column: t.exposeInt('column', { nullable: true }),
    stack: t.exposeString('stack', { nullable: true }),
    page: t.exposeString('page', { nullable: true, description: 'The path (and query) of the page, under the preview URL.' }),
    count: t.exposeInt('count', { description: 'How often it was reported.' }),
    firstSeenAt: t.expose('firstSeenAt', { type: 'DateTime' }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime' }),
  }),
});

builder.objectFields(ProjectRef, (t) => ({
  previewErrors: t.connection({
    type: PreviewErrorRef,
    description: "Errors its preview's browsers reported, newest first (by when first seen); the 100 most recently seen are kept.",
    resolve: (project, args, context) =>
      paginateById('PreviewError', args, (page) =>
        context.services.prisma.previewError.findMany({ where: { projectId: project.id, id: page.idFilter }, take: page.take, orderBy: page.orderBy }),
      ),
  }),
}));
