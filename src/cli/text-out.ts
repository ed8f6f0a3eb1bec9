/** Where a command writes its text: process.stdout or process.stderr, or a test's sink. */
export interface TextOut {
  write(text: string): unknown;
}
