// Command ferretdb-embedded runs FerretDB v1 (SQLite backend) as a small,
// self-contained MongoDB-compatible server for local development, tests and CI.
//
// It embeds github.com/FerretDB/FerretDB/ferretdb instead of building
// cmd/ferretdb, which panics without a generated build/version/version.txt.
// By default clients connect through a small proxy (proxy.go) that runs one write command at a
// time, because FerretDB v1 itself loses concurrent updates.
//
// Usage:
//
//	ferretdb-embedded -listen-addr 127.0.0.1:27017 -data-dir ./data [-log-level error]
//	                  [-exit-on-stdin-eof] [-remove-data-dir-on-exit] [-serialize-writes=true]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb-embedded: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on (host:port)")
	dataDir := flag.String("data-dir", "", "directory for SQLite database files (created if missing; required)")
	logLevel := flag.String("log-level", "error", "log level: debug, info, warn, error (warn logs every failed command)")
	exitOnStdinEOF := flag.Bool("exit-on-stdin-eof", false,
		"exit when stdin is closed (lets a parent process that dies without cleanup take the server down with it)")
	removeDataDir := flag.Bool("remove-data-dir-on-exit", false,
		"delete -data-dir after shutdown (for throwaway test servers)")
	serializeWrites := flag.Bool("serialize-writes", true,
		"run one write command at a time (through a small proxy); "+
			"without it FerretDB v1 loses concurrent updates (see proxy.go)")
	flag.Parse()

	if *dataDir == "" {
		return errors.New("-data-dir is required")
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.ToLower(*logLevel))); err != nil {
		return fmt.Errorf("invalid -log-level %q: %w", *logLevel, err)
	}

	dir, err := filepath.Abs(*dataDir)
	if err != nil {
		return fmt.Errorf("resolving -data-dir: %w", err)
	}

	if err = os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating -data-dir: %w", err)
	}

	// FerretDB wants a "file:" URI pointing to an existing directory, ending with '/'.
	// Building it through net/url escapes spaces and other special characters.
	sqliteURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir) + "/"}).String()

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	// If the parent dies, our stderr pipe breaks; without this, the next log write would kill us
	// with SIGPIPE before the shutdown (and -remove-data-dir-on-exit) completes.
	signal.Ignore(syscall.SIGPIPE)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *exitOnStdinEOF {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()

		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			logger.Warn("stdin closed, shutting down")
			cancel()
		}()
	}

	listener := ferretdb.ListenerConfig{TCP: *listenAddr}

	var proxyLn net.Listener

	if *serializeWrites {
		// FerretDB listens on a private Unix socket; clients talk to the proxy on -listen-addr.
		sockDir, err := os.MkdirTemp("", "ferretdb-sock-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(sockDir)

		listener = ferretdb.ListenerConfig{Unix: filepath.Join(sockDir, "ferretdb.sock")}

		if proxyLn, err = net.Listen("tcp", *listenAddr); err != nil {
			return err
		}
		defer proxyLn.Close()
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  listener,
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		return err
	}

	if proxyLn != nil {
		p := &writeProxy{upstreamNet: "unix", upstreamAddr: listener.Unix, l: logger}
		go p.serve(proxyLn)

		go func() {
			<-ctx.Done()
			_ = proxyLn.Close()
		}()
	}

	// Run blocks until ctx is canceled, then closes listeners, connections and the backend.
	err = f.Run(ctx)

	if *removeDataDir {
		if rmErr := os.RemoveAll(dir); rmErr != nil {
			logger.Warn("removing data dir", slog.String("error", rmErr.Error()))
		}
	}

	return err
}
