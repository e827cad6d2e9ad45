# Conclave's app image: the API (Fastify) serving the portal (Next.js) on one port.
# Built by `docker compose build` (docker-compose.yml); runs as an unprivileged user, applies
# database migrations at start, then serves on PORT (3000). No test hooks, no dev tools.

# --- build: all dependencies, the Prisma client and the portal's production build ---
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY . .
# web-build.ts builds the portal and stamps its fingerprint, so that start.ts finds it current.
RUN npm ci --no-audit --no-fund \
 && node --import tsx scripts/web-build.ts

# --- runtime: production dependencies only ---
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/apps ./apps
COPY --from=build /app/packages ./packages
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/prisma.config.ts /app/tsconfig.base.json /app/tsconfig.json ./
COPY --from=build /app/scripts ./scripts
COPY --from=build /app/tests/package.json ./tests/package.json
# Production dependencies, plus tsx: the API runs its TypeScript directly (no separate
# compile step), so the loader is a runtime dependency here. The Prisma client was generated
# in the build stage (apps/api/src/db/generated) and is copied with apps/.
RUN rm -rf apps/*/node_modules packages/*/node_modules \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm install --no-save --ignore-scripts --no-audit --no-fund "tsx@$(node -p "require('./package-lock.json').packages['node_modules/tsx'].version")" \
 && npm cache clean --force \
 && mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:3000/api/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# Migrations first (DATABASE_MIGRATION_URL, else DATABASE_URL), then the product; `exec` so
# that `docker stop`'s SIGTERM reaches it.
CMD ["sh", "-c", "node --import tsx prisma/migrate.ts && exec node --import tsx scripts/start.ts"]
