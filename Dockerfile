# report-inbox service image. Not built on the development machines (no Docker engine there):
# kept correct by reading; see README.
FROM node:20-bookworm-slim
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY workers ./workers
COPY config ./config
COPY seeds ./seeds
ENV NODE_ENV=production DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
CMD ["node", "bin/report-inbox.js", "worker", "all"]
