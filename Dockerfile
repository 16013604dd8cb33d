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
# better-sqlite3 compiles against the headers the Node image ships, instead of downloading them.
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
COPY bin ./bin
# `npm ci` runs the `prepare` script, which builds dist/ (TypeScript, then the dashboard bundle).
# Behind a TLS-inspecting proxy, pass its CA as a build secret (nothing of it stays in the image):
#   docker build --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt .
RUN --mount=type=secret,id=ca,target=/run/secrets/ca \
    export NODE_EXTRA_CA_CERTS=$([ -s /run/secrets/ca ] && echo /run/secrets/ca) \
 && npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund \
 && arch=$(node -p process.arch) \
 && find node_modules/onnxruntime-node/bin -mindepth 2 -maxdepth 2 ! -name linux -exec rm -rf {} + \
 && find node_modules/onnxruntime-node/bin -mindepth 3 -maxdepth 3 ! -name "$arch" -exec rm -rf {} + \
 && rm -rf node_modules/better-sqlite3/deps node_modules/better-sqlite3/src \
           node_modules/better-sqlite3/build/Release/obj* node_modules/better-sqlite3/build/Release/.deps

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
