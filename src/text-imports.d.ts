// Bun imports these files as strings (`with { type: "text" }`); the bundler embeds them.
declare module "*.sql" {
  const text: string;
  export default text;
}
