import { z } from 'zod';
import { deleteProjectFile, NotFoundError, writeProjectFiles } from '@everjust/core';
import { requireScope } from '../auth/scopes.js';
import { checkStorageQuota } from '../services/quotas.js';
import { builder } from './builder.js';
import { findVisibleProject, ProjectRef } from './projects.js';

/** A file as listed: its content is loaded only when asked for. */
export interface FileView {
  path: string;
  sha: string;
  size: number;
}

export const ProjectFileRef = builder.objectRef<FileView>('ProjectFile').implement({
  description: 'A file of a project (or of a session snapshot). Contents are stored once per distinct SHA-256.',
  fields: (t) => ({
    path: t.exposeString('path'),
    size: t.exposeInt('size', { description: 'In bytes (of the file: UTF-8 text, or the bytes of a binary file).' }),
    sha: t.exposeString('sha', { description: 'SHA-256 of the content, hex.' }),
    content: t.string({
      description: 'The text; for a binary file (`binary`), its bytes in base64.',
      resolve: async (file, _args, context) => (await context.services.prisma.fileBlob.findUniqueOrThrow({ where: { sha: file.sha } })).content,
    }),
    binary: t.boolean({
      description: 'Whether it is a binary file (an image, a font: one that is not UTF-8 text), whose `content` is base64. Imports keep them.',
      resolve: async (file, _args, context) => (await context.services.prisma.fileBlob.findUniqueOrThrow({ where: { sha: file.sha }, select: { binary: true } })).binary,
    }),
  }),
});

builder.objectField(ProjectRef, 'files', (t) =>
  t.field({
    type: [ProjectFileRef],
    description: 'The current files, by path.',
    resolve: (project, _args, context) =>
      context.services.prisma.projectFile.findMany({ where: { projectId: project.id }, select: { path: true, sha: true, size: true }, orderBy: { path: 'asc' } }),
  }),
);

builder.objectField(ProjectRef, 'file', (t) =>
  t.field({
    type: ProjectFileRef,
    nullable: true,
    description: 'One current file by its path (null when there is none), to read its content alone.',
    args: { path: t.arg.string({ required: true, validate: z.string().min(1).max(1_000) }) },
    resolve: (project, args, context) =>
      context.services.prisma.projectFile.findFirst({ where: { projectId: project.id, path: args.path }, select: { path: true, sha: true, size: true } }),
  }),
);

/** How many of the newest snapshots `previousFile` looks back through. */
const PREVIOUS_FILE_LOOKBACK = 50;

builder.objectField(ProjectRef, 'previousFile', (t) =>
  t.field({
    type: ProjectFileRef,
    nullable: true,
    description:
      "One file as it was before its last change (to show that change as a diff): its content in the newest session snapshot (of the last 50) that differs from the file now. Null when the file is not there now, when it was new then (absent from that snapshot), or when no snapshot holds another version of it.",
    args: { path: t.arg.string({ required: true, validate: z.string().min(1).max(1_000) }) },
    resolve: async (project, args, context) => {
      const { prisma } = context.services;
      const current = await prisma.projectFile.findFirst({ where: { projectId: project.id, path: args.path }, select: { sha: true } });
      if (!current) return null;
      // Newest first, only sessions that left a snapshot (an ended session of an empty project has none).
      const snapshots = await prisma.session.findMany({
        where: { projectId: project.id, files: { some: {} } },
        orderBy: { id: 'desc' },
        take: PREVIOUS_FILE_LOOKBACK,
        select: { files: { where: { path: args.path }, select: { path: true, sha: true, size: true } } },
      });
      for (const { files } of snapshots) {
        const [file] = files;
        if (!file) return null; // the file came after this snapshot: it was new
        if (file.sha !== current.sha) return file;
      }
      return null;
    },
  }),
);

const FileInput = builder.inputType('FileInput', {
  fields: (t) => ({
    path: t.string({ required: true, description: 'Relative, `/`-separated, no `..`.' }),
    content: t.string({ required: true }),
  }),
});

const WriteProjectFilesInput = builder.inputType('WriteProjectFilesInput', {
  fields: (t) => ({
    projectId: t.id({ required: true }),
    files: t.field({ type: [FileInput], required: true, validate: z.array(z.unknown()).min(1, 'give at least one file').max(500) }),
  }),
});

const DeleteProjectFileInput = builder.inputType('DeleteProjectFileInput', {
  fields: (t) => ({ projectId: t.id({ required: true }), path: t.string({ required: true }) }),
});

builder.mutationFields((t) => ({
  writeProjectFiles: t.prismaField({
    type: 'Project',
    description: 'Creates or replaces files of a project (to seed or edit it); all or nothing.',
    args: { input: t.arg({ type: WriteProjectFilesInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'projects:write');
      const project = await findVisibleProject(context, String(input.projectId));
      const { prisma, config } = context.services;
      await prisma.$transaction(async (tx) => {
        const replaced = await tx.projectFile.findMany({ where: { projectId: project.id, path: { in: input.files.map((file) => file.path) } }, select: { size: true } });
        const added = input.files.reduce((sum, file) => sum + Buffer.byteLength(file.content, 'utf8'), 0) - replaced.reduce((sum, file) => sum + file.size, 0);
        if (added > 0) await checkStorageQuota(tx, context.caller, added);
        await writeProjectFiles(tx, project.id, input.files, config.limits);
      });
      return prisma.project.update({ ...query, where: { id: project.id }, data: { updatedAt: new Date() } });
    },
  }),
  deleteProjectFile: t.prismaField({
    type: 'Project',
    args: { input: t.arg({ type: DeleteProjectFileInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'projects:write');
      const project = await findVisibleProject(context, String(input.projectId));
      const { prisma } = context.services;
      if (!(await deleteProjectFile(prisma, project.id, input.path))) throw new NotFoundError('File', input.path);
      return prisma.project.update({ ...query, where: { id: project.id }, data: { updatedAt: new Date() } });
    },
  }),
}));

