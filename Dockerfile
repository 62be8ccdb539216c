# syntax=docker/dockerfile:1
# Portico: build the TypeScript once, then run the compiled server on Node 24 as `node`.
#   docker build -t portico .
#   docker run -p 3000:3000 -e COOKIE_SECRETS=... -e KEYS_ENCRYPTION_KEY=... -e BILL_TRACKER_SECRET=... \
#     -v /etc/portico/clients.json:/etc/portico/clients.json:ro -v portico-data:/data portico
# With no DATABASE_URL the embedded database (PGlite) lives in the /data volume. The clients
# file is the operator's, mounted at CLIENTS_FILE: the checkout's config/ holds development
# examples with public secrets and never enters the image (.dockerignore).

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts stay off: argon2 and esbuild load their prebuilt platform binaries without them.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
# Emits dist/src (the server and the CLI) and dist/migrations.
RUN npm run build

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production PORT=3000 DATA_DIR=/data CLIENTS_FILE=/etc/portico/clients.json
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Read at run time from the directory holding package.json (src/paths.ts): templates,
# stylesheet, and the CLI launcher (`node bin/portico.js ...` runs dist/src/cli.js here,
# since the image has no src/).
COPY views ./views
COPY public ./public
COPY bin ./bin
# The application files stay root-owned (read-only to the server); only /data is writable.
RUN mkdir -p /data && chown node:node /data && chmod 700 /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
