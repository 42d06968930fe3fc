// unzipper ships no types and @types/unzipper is not installed; only what the export tests use.
declare module 'unzipper' {
  interface Entry {
    path: string;
    buffer(): Promise<Buffer>;
  }
  const unzipper: { Open: { buffer(data: Buffer): Promise<{ files: Entry[] }> } };
  export default unzipper;
}
