# One image for every service; docker-compose picks the entry point per service.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY client/package.json ./client/
RUN npm ci
COPY . .
RUN npx tsc -b && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production APOLLO_TELEMETRY_DISABLED=1 HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/schema ./schema
# The audit archive's format and verifier live in the client package (node_modules links to it).
COPY --from=build /app/client/package.json ./client/
COPY --from=build /app/client/dist ./client/dist
# What the gateway serves at /console and /explorer: static pages here, compiled scripts in dist/console, GraphiQL and React in node_modules.
COPY --from=build /app/console/static ./console/static
COPY package.json ./
USER node
CMD ["node", "dist/gateway/index.js"]
