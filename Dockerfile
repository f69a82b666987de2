# trafficgen in a container: one image for the generator (headless) and for
# `trafficgen serve`, the demo API. A static binary on an empty base, run as
# a user without privileges.
#
#   docker build -t trafficgen .
#   docker run --rm trafficgen --help
#   docker run --rm --network host trafficgen -u http://127.0.0.1:8080 --mode steady -r 100 -t 30
#
# GO_IMAGE picks the build stage's Go image; any image with Go 1.26 at
# /usr/local/go/bin and the CA certificates at /etc/ssl/certs will do (a
# machine without a registry builds one from its own toolchain:
# scripts/docker-check.sh). It only builds: nothing of it reaches the
# final image but the binary and the certificates.
ARG GO_IMAGE=golang:1.26-bookworm

FROM ${GO_IMAGE} AS build
# The module proxy and checksum database to download through; empty takes
# Go's defaults.
ARG GOPROXY
ARG GOSUMDB
WORKDIR /src
# Modules first, so that a change to the code does not download them again.
COPY go.mod go.sum ./
RUN GOPROXY=${GOPROXY} GOSUMDB=${GOSUMDB} GOTOOLCHAIN=local go mod download
COPY . .
# VERSION is stamped into main.version (shown by --version).
ARG VERSION=dev
RUN CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-trimpath \
    go build -ldflags "-s -w -X main.version=${VERSION}" -o /out/usr/local/bin/trafficgen . \
 && mkdir -p /out/etc/ssl/certs /out/reports \
 && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ \
 && echo 'trafficgen:x:65532:65532:trafficgen:/reports:/sbin/nologin' > /out/etc/passwd \
 && echo 'trafficgen:x:65532:' > /out/etc/group \
 && chown 65532:65532 /out/reports

FROM scratch
COPY --from=build /out/ /
USER 65532:65532
WORKDIR /reports
# The demo API (trafficgen serve) and the generator's metrics (TRAFFICGEN_METRICS_ADDR).
EXPOSE 18080 9464
# Without a terminal (docker run without -t, compose, Kubernetes) it runs
# headless: stats blocks and the summary go to the log as plain lines, and
# SIGTERM (docker stop, a pod's end) drains and prints the summary. With
# `docker run -it` the dashboard opens.
ENTRYPOINT ["/usr/local/bin/trafficgen"]
