// SQL migration files are bundled as text (esbuild `loader: { ".sql": "text" }`, and
// the matching plugin in vitest.config.ts).
declare module "*.sql" {
  const text: string;
  export default text;
}
