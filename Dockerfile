# pixvault in a container: build the single executable, run it non-root on a slim base.
# docker build -t pixvault . && docker run -p 8080:8080 -v pixvault-data:/data pixvault

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && ./dist/pixvault --version

FROM debian:bookworm-slim
# libgcc-s1 (needed by the embedded libSQL addon) is part of the base image.
RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin pixvault \
 && mkdir -p /data && chown pixvault:pixvault /data && chmod 700 /data
COPY --from=build /src/dist/pixvault /usr/local/bin/pixvault
USER pixvault:pixvault
ENV PIXVAULT_DATA_DIR=/data \
    PIXVAULT_HOST=0.0.0.0 \
    PIXVAULT_PORT=8080
VOLUME ["/data"]
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/pixvault"]
CMD ["serve"]
