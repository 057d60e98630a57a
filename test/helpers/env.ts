/** The Redis the integration tests use; each test isolates itself by its own key prefix. */
export const testRedisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
