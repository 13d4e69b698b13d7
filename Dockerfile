# Orca's image for users who build with a container engine. `make image` assembles the same image (one static
# binary, non-root, no shell) without a daemon; CI checks that one (internal/ociimage).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/orca-operator/orca/internal/version.Version=${VERSION}" -o /out/orca ./cmd/orca \
 && /out/orca version

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/orca /orca
USER 65532:65532
ENTRYPOINT ["/orca"]
CMD ["operator"]
