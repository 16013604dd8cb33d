# SmartCloudOps: `serve` by default, `worker` (or any CLI command) by argument:
#   docker run -p 3000:3000 -v sco-data:/data smartcloudops            # control plane
#   docker run -e REDIS_URL=redis://redis:6379 smartcloudops worker     # a worker elsewhere
# Built and run by `npm run test:image` (buildah) where no registry is reachable.

# ---- build: compile better-sqlite3, install everything, build dist/ (TypeScript and the dashboard) ----
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# onnxruntime-node's CUDA download cannot be reached (and is not used): its CPU binaries are bundled.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
COPY bin ./bin
# `npm ci` runs the `prepare` script, which builds dist/ (TypeScript, then the dashboard bundle).
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund

# ---- run: production dependencies and what the app reads at run time, as a non-root user ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATABASE_PATH=/data/smartcloudops.db
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY prompts ./prompts
COPY runbooks ./runbooks
COPY assets ./assets
COPY config ./config
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node is PID 1 and handles SIGTERM itself (src/cli/shutdown.ts): jobs drain within SHUTDOWN_GRACE_MS.
ENTRYPOINT ["node", "bin/smartcloudops.js"]
CMD ["serve"]
