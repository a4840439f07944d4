# bridgescope in a container: a static binary on distroless, as a non-root user.
#   docker build -t bridgescope .
#   docker run --rm -e REDIS_URL=redis://redis:6379 -p 9464:9464 bridgescope
#   docker run --rm -e REDIS_URL=redis://redis:6379 bridgescope check --expect 3
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/bridgescope .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bridgescope /bridgescope
USER nonroot:nonroot
EXPOSE 9464
ENTRYPOINT ["/bridgescope"]
# The observer as a Prometheus exporter; pass any subcommand instead.
CMD ["watch", "--headless", "--metrics-addr", ":9464"]
