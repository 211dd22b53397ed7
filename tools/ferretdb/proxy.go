package main

// FerretDB v1's SQLite handler runs update/findAndModify/delete as "query, then write" without
// isolation (see https://github.com/FerretDB/FerretDB/issues/3040), so concurrent writes lose
// updates: 50 parallel {$inc: {v: 1}} can leave v=1, and a conditional findOneAndUpdate
// ({status: 'queued'} -> 'running') can "succeed" for many callers at once. Under load it can also
// exhaust its SQLite connection pool and hang forever.
//
// This proxy sits between clients and FerretDB and lets only one write command run at a time
// (reads are not held back). Each write then sees the effects of every write before it, which
// restores MongoDB's single-document atomicity guarantees for our purposes (tests, dev).
//
// It understands just enough of the wire protocol to do that: the 16-byte message header and, for
// OP_MSG requests, the flag bits and the command name (first key of the body document).

import (
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
)

const (
	opMsg          = 2013
	msgHeaderLen   = 16
	maxMessageSize = 48 * 1024 * 1024 // maxMessageSizeBytes advertised by MongoDB/FerretDB
	flagMoreToCome = 1 << 1

	flagChecksumPresent = 1 << 0
)

// writeCommands are serialized. Their names are case-sensitive in the wire protocol.
var writeCommands = map[string]bool{
	"insert":        true,
	"update":        true,
	"delete":        true,
	"findAndModify": true,
	"findandmodify": true,
}

type writeProxy struct {
	upstreamNet  string // "unix" or "tcp"
	upstreamAddr string
	l            *slog.Logger
	writeMu      sync.Mutex
}

// serve accepts connections on ln until it is closed.
func (p *writeProxy) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				p.l.Error("proxy accept failed", slog.String("error", err.Error()))
			}
			return
		}

		go p.handle(c)
	}
}

func (p *writeProxy) handle(client net.Conn) {
	upstream, err := net.Dial(p.upstreamNet, p.upstreamAddr)
	if err != nil {
		p.l.Error("proxy cannot reach FerretDB", slog.String("error", err.Error()))
		_ = client.Close()
		return
	}

	// At most one write of this connection is in flight (drivers wait for each reply);
	// pending is its requestID, held guards the write lock.
	var (
		stateMu sync.Mutex
		held    bool
		pending int32
		swallow bool // the client sent an unacknowledged write (moreToCome): drop FerretDB's reply
	)

	release := func() {
		stateMu.Lock()
		defer stateMu.Unlock()

		if held {
			held = false
			p.writeMu.Unlock()
		}
	}

	closeBoth := func() {
		_ = client.Close()
		_ = upstream.Close()
	}

	done := make(chan struct{}, 2)

	// client -> FerretDB
	go func() {
		defer func() { done <- struct{}{} }()
		defer closeBoth()

		for {
			msg, err := readMessage(client)
			if err != nil {
				return
			}

			isWrite, moreToCome, checksum := classify(msg)
			if isWrite {
				p.writeMu.Lock()
				stateMu.Lock()
				held = true
				pending = int32(binary.LittleEndian.Uint32(msg[4:8]))
				swallow = false

				// For an unacknowledged write (w: 0), ask FerretDB for a reply anyway, so that the
				// lock is held until the write is done; the reply is not passed on to the client.
				if moreToCome && !checksum {
					flags := binary.LittleEndian.Uint32(msg[16:20])
					binary.LittleEndian.PutUint32(msg[16:20], flags&^flagMoreToCome)
					moreToCome = false
					swallow = true
				}
				stateMu.Unlock()
			}

			_, err = upstream.Write(msg)

			if isWrite && (moreToCome || err != nil) {
				release() // no reply will come (unacknowledged write with a checksum) or the write failed
			}

			if err != nil {
				return
			}
		}
	}()

	// FerretDB -> client
	go func() {
		defer func() { done <- struct{}{} }()
		defer closeBoth()

		for {
			msg, err := readMessage(upstream)
			if err != nil {
				return
			}

			responseTo := int32(binary.LittleEndian.Uint32(msg[8:12]))

			stateMu.Lock()
			isReply := held && responseTo == pending
			drop := isReply && swallow
			stateMu.Unlock()

			if isReply {
				release()
			}

			if drop {
				continue
			}

			if _, err = client.Write(msg); err != nil {
				return
			}
		}
	}()

	<-done
	<-done
	release()
}

// readMessage reads one complete wire protocol message (header included).
func readMessage(r io.Reader) ([]byte, error) {
	var header [msgHeaderLen]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		return nil, err
	}

	size := int32(binary.LittleEndian.Uint32(header[0:4]))
	if size < msgHeaderLen || size > maxMessageSize {
		return nil, errors.New("invalid message length")
	}

	msg := make([]byte, size)
	copy(msg, header[:])

	if _, err := io.ReadFull(r, msg[msgHeaderLen:]); err != nil {
		return nil, err
	}

	return msg, nil
}

// classify reports whether msg is an OP_MSG write command, and whether its moreToCome
// and checksumPresent flags are set.
func classify(msg []byte) (isWrite, moreToCome, checksum bool) {
	if int32(binary.LittleEndian.Uint32(msg[12:16])) != opMsg || len(msg) < msgHeaderLen+4+1+4+1 {
		return false, false, false
	}

	flags := binary.LittleEndian.Uint32(msg[16:20])
	moreToCome = flags&flagMoreToCome != 0
	checksum = flags&flagChecksumPresent != 0

	end := len(msg)
	if checksum {
		end -= 4 // CRC-32C at the end
	}

	// OP_MSG sections: find the kind 0 (body) section; document sequences (kind 1) may come first.
	for i := 20; i < end; {
		kind := msg[i]
		i++

		if i+4 > end {
			return false, moreToCome, checksum
		}

		size := int(int32(binary.LittleEndian.Uint32(msg[i : i+4])))
		if size < 5 || i+size > end {
			return false, moreToCome, checksum
		}

		if kind == 0 {
			return writeCommands[firstKey(msg[i:i+size])], moreToCome, checksum
		}

		i += size // kind 1: int32 size covers the identifier and the documents
	}

	return false, moreToCome, checksum
}

// firstKey returns the name of the first element of a BSON document.
func firstKey(doc []byte) string {
	// int32 length, then element: type byte, cstring name, ...
	if len(doc) < 6 || doc[4] == 0 {
		return ""
	}

	for j := 5; j < len(doc); j++ {
		if doc[j] == 0 {
			return string(doc[5:j])
		}
	}

	return ""
}
