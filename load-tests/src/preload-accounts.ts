/** The accounts preload.ts creates, which login-bench.ts logs in as. */
export const PRELOAD_PASSWORD = 'preload-password-1';
export const preloadEmail = (n: number) => `preload-${n}@loadtest.example.com`;
