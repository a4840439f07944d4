package metrics

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// maxEncodedLen bounds what DecodeHistogram accepts. A fully populated
// 3-digit histogram encodes to well under this; a per-second delta to a few
// hundred bytes.
const maxEncodedLen = 1 << 20

// HDR V2 compressed layout: an 8-byte outer header (cookie, compressed
// length) before the zlib stream, and a 40-byte inner header inside it.
const (
	outerHeaderLen = 8
	innerHeaderLen = 40
)

// Encode returns h as a compact string (the standard HDR histogram V2
// compressed, base64 format, readable by other HDR tools) for sending a
// delta histogram inside a JSON stats message. The clamped count is not
// included.
func (h *Histogram) Encode() (string, error) {
	src := h.h
	if src == nil {
		src = hdrhistogram.New(histLowestUs, histHighestUs, fineDigits)
	}
	b, err := src.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("metrics: encode histogram: %w", err)
	}
	return string(b), nil
}

// DecodeHistogram parses a string made by Encode. The input comes from the
// wire, so anything else — not base64, truncated, corrupt, too long, or a
// histogram of another range or precision — is an error, never a panic, and
// the geometry is checked before the counts are allocated.
func DecodeHistogram(s string) (*Histogram, error) {
	if len(s) > maxEncodedLen {
		return nil, fmt.Errorf("metrics: decode histogram: %d bytes, limit %d", len(s), maxEncodedLen)
	}
	if err := checkWireGeometry(s); err != nil {
		return nil, fmt.Errorf("metrics: decode histogram: %w", err)
	}
	h, err := decodeHDR(s)
	if err != nil {
		return nil, fmt.Errorf("metrics: decode histogram: %w", err)
	}
	return &Histogram{h: h}, nil
}

// decodeHDR calls the library's decoder, turning a panic on input it failed
// to anticipate into an error: a malformed stats message must not take the
// observer down.
func decodeHDR(s string) (h *hdrhistogram.Histogram, err error) {
	defer func() {
		if r := recover(); r != nil {
			h, err = nil, fmt.Errorf("corrupt histogram: %v", r)
		}
	}()
	return hdrhistogram.Decode([]byte(s))
}

// checkWireGeometry reads only the headers of an encoded histogram and
// accepts it if it has this package's range and a known precision.
func checkWireGeometry(s string) error {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("not base64: %w", err)
	}
	if len(raw) < outerHeaderLen {
		return fmt.Errorf("truncated: %d bytes", len(raw))
	}
	if n := binary.BigEndian.Uint32(raw[4:8]); int64(n) != int64(len(raw)-outerHeaderLen) {
		return fmt.Errorf("length field says %d compressed bytes, got %d", int32(n), len(raw)-outerHeaderLen)
	}
	z, err := zlib.NewReader(bytes.NewReader(raw[outerHeaderLen:]))
	if err != nil {
		return fmt.Errorf("not compressed: %w", err)
	}
	defer z.Close()
	var hdr [innerHeaderLen]byte
	if _, err := io.ReadFull(z, hdr[:]); err != nil {
		return fmt.Errorf("truncated header: %w", err)
	}
	digits := int32(binary.BigEndian.Uint32(hdr[12:16]))
	lowest := int64(binary.BigEndian.Uint64(hdr[16:24]))
	highest := int64(binary.BigEndian.Uint64(hdr[24:32]))
	if lowest != histLowestUs || highest != histHighestUs {
		return fmt.Errorf("range %d..%d, want %d..%d µs", lowest, highest, histLowestUs, histHighestUs)
	}
	if digits != fineDigits && digits != coarseDigits {
		return fmt.Errorf("%d significant digits, want %d or %d", digits, coarseDigits, fineDigits)
	}
	return nil
}
