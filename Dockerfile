# sohoa appliance image. Node 20 is past end of life: the container runs the current LTS (22) on Debian bookworm.
# OS packages come from the same firmware script CI exercises (firmware-scripts/host-packages.sh).

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY firmware-scripts/ firmware-scripts/
RUN bash firmware-scripts/host-packages.sh
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY appliance/ appliance/
COPY sync/ sync/
COPY web-admin/ web-admin/
COPY tests/ tests/
RUN node firmware-scripts/patch-pnet.mjs && npx tsc -p tsconfig.json && npm run build:web && rm -rf dist/tests && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
WORKDIR /app
COPY firmware-scripts/ firmware-scripts/
RUN bash firmware-scripts/host-packages.sh \
 && groupadd --system sohoa && useradd --system --gid sohoa --home-dir /data --shell /usr/sbin/nologin sohoa \
 && mkdir -p /data && chown sohoa:sohoa /data && chmod 750 /data
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules/ node_modules/
COPY --from=build /app/dist/ dist/
COPY bin/ bin/
COPY appliance/data/ appliance/data/
COPY --from=build /app/web-admin/dist/ web-admin/dist/
ENV NODE_ENV=production SOHOA_DATA_DIR=/data SOHOA_HOST=0.0.0.0 SOHOA_PORT=8080
VOLUME ["/data"]
# 8080 web admin + API; 2121 and 30000-30049 FTP for copiers (when enabled); 4001 replication (issue 5)
EXPOSE 8080 2121 30000-30049 4001
USER sohoa
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.SOHOA_PORT || 8080) + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/sohoa.js", "start"]
