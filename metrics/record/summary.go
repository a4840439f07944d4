package record

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/bridgescope/bridgescope/metrics/report"
)

// Summarize reads every frame of the recording at path, in order, into a
// session report (report.SessionHTML, report.SessionMarkdown draw it),
// with the file's SHA-256 and what the recording lacks.
func Summarize(path string) (report.Session, error) {
	sum, err := hashFile(path)
	if err != nil {
		return report.Session{}, err
	}
	rec, err := Open(path)
	if err != nil {
		return report.Session{}, err
	}
	defer rec.Close()
	h := rec.Header
	b := report.NewSessionBuilder(report.Session{Command: h.Command, Bridgescope: h.Bridgescope, Redis: h.Redis,
		Observer: h.Observer, Config: h.Config, Thresholds: h.Thresholds, SHA256: sum, Notes: Notes(rec)})
	for i := range rec.Len() {
		s, err := rec.Snapshot(i)
		if err != nil {
			return report.Session{}, fmt.Errorf("record: frame %d: %w", i, err)
		}
		b.Add(s)
	}
	if rec.Len() == 0 {
		return report.Session{}, fmt.Errorf("record: %s holds no snapshot", path)
	}
	return b.Build(), nil
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("record: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("record: hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
