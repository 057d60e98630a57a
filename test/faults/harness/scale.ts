/** `npm run test:faults -- --short` (CI): fewer kills and submissions, the same checks. */
export const isShort = process.env.FAULTS_SHORT === "1";

export function scaled(full: number, short: number): number {
  return isShort ? short : full;
}
