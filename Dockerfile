# The API image (the worker runs the same image with `node dist/src/cli.js worker`). Build: docker compose build api
FROM node:22-bookworm-slim AS build
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip ONNXRUNTIME_NODE_INSTALL_CUDA=skip
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts ./
COPY scripts ./scripts
RUN npm ci
COPY tsconfig.json schema.graphql ./
# No test/ or bench/: nothing in src/ imports them, and tsconfig's include globs may match nothing.
COPY src ./src
COPY web ./web
COPY models ./models
# Production dependencies only: no dev tools, and not the optional peers only dev tools bring (the Prisma CLI).
RUN npm run build && npm prune --omit=dev && node scripts/prune-dev-optional.mjs

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000
# Code and dependencies stay root-owned (the process cannot rewrite them); only what it writes
# belongs to `node`: DATA_DIR, and models/ for `cli.js models-download`.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/web ./dist/web
COPY --from=build /app/prisma ./prisma
COPY --from=build --chown=node:node /app/models ./models
# A named volume mounted here starts with this owner.
RUN mkdir -p /app/data && chown node:node /app/data
# The image's unprivileged user (uid 1000; the Kubernetes manifests pin runAsUser 1000).
USER node
EXPOSE 4000
# No curl in the image; Node 22's fetch is enough. /readyz: ready to serve, not merely alive.
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/server.js"]
