# report-inbox service image. Not built on the development machines (no Docker engine there):
# kept correct by reading; see README.
FROM node:20-bookworm-slim
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary matches; OCR is optional; 7zip's
# 7zz opens .7z attachments (patched by Debian; 7zip-bin's older 7za is the fallback).
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
      tesseract-ocr tesseract-ocr-chi-sim poppler-utils 7zip \
    && rm -rf /var/lib/apt/lists/*
# Sources first: npm ci runs "prepare", which compiles src/ and workers/ to dist/ with tsc.
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY workers ./workers
COPY bench/service-child.ts ./bench/service-child.ts
COPY config ./config
COPY seeds ./seeds
# 7zip-bin's 7za (.7z attachments) comes out of npm without its executable bit.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev \
    && chmod 755 node_modules/7zip-bin/linux/*/7za
# MALLOC_ARENA_MAX=2: see serviceEnv in bin/built.js.
ENV NODE_ENV=production DATA_DIR=/data MALLOC_ARENA_MAX=2
VOLUME ["/data"]
EXPOSE 8080
# --max-semi-space-size=2 --max-old-space-size=192 --single-threaded-gc: see serviceNodeFlags in bin/built.js.
CMD ["node", "--max-semi-space-size=2", "--max-old-space-size=192", "--single-threaded-gc", "bin/report-inbox.js", "worker", "all"]
