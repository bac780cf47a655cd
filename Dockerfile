# actas: Node 24 runs the TypeScript sources directly (type stripping), so the
# image needs no build step, only production dependencies.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the image runs src/ directly; dist/ (the actas/verify build) is for upstreams.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY config ./config
# The config (and keys, directory file) come from a volume; audit files go to /var/lib/actas.
RUN mkdir -p /config /var/lib/actas && chown node:node /var/lib/actas
VOLUME ["/config", "/var/lib/actas"]
USER node
EXPOSE 8080 9090
# listen.host must be 0.0.0.0 in the mounted config for the port to be reachable.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.ACTAS_PORT || 8080) + '/.actas/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "src/cli.ts"]
CMD ["serve", "--config", "/config/actas.yaml"]
