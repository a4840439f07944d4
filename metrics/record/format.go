package record

import (
	"time"

	"github.com/bridgescope/bridgescope/metrics"
)

// FormatName and FormatVersion open every recording: a reader refuses a
// file that is not one, or of a version it does not know.
const (
	FormatName    = "bridgescope-recording"
	FormatVersion = 1
)

// Header is a recording's first gzip member, one JSON line: what was
// recorded, with what, and what was dropped to stay under the cap.
type Header struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Bridgescope is the recording program's version.
	Bridgescope string    `json:"bridgescope"`
	Started     time.Time `json:"started"`
	Command     string    `json:"command"` // "watch" or "demo"
	Redis       string    `json:"redis"`   // redacted
	Observer    string    `json:"observer"`
	// Config is the settings the session ran with, by flag name: channels,
	// probe rate, late-after and so on. Never a secret.
	Config     map[string]string  `json:"config"`
	Thresholds metrics.Thresholds `json:"thresholds"`
	// MaxBytes is the cap the file is kept under.
	MaxBytes int64 `json:"maxBytes"`
	// Dropped says what the cap made the recorder drop, oldest first.
	Dropped *Dropped `json:"dropped,omitempty"`
}

// Dropped is the part of a session a recording no longer holds.
type Dropped struct {
	Before   time.Time `json:"before"`   // every frame before this is gone
	Segments int       `json:"segments"` // how many segments went
	Bytes    int64     `json:"bytes"`    // their compressed size
}

// line is one frame: the snapshot's time and either the whole snapshot's
// tree (a keyframe, the first of every segment) or the patch from the
// frame before.
type line struct {
	At    time.Time `json:"t"`
	Key   any       `json:"k,omitempty"`
	Delta any       `json:"d,omitempty"`
}
