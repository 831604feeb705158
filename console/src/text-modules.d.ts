/** GraphQL documents bundled as text (esbuild's `text` loader, see build.ts). */
declare module '*.graphql' {
  const text: string;
  export default text;
}
