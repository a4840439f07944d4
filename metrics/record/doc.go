// Package record writes and reads bridgescope recordings: a header, then one
// snapshot per refresh as a delta against the one before, gzip-compressed.
//
// It owns the file format (format.go), the snapshot's tree form and its deltas
// (tree.go, delta.go), the Recorder that writes a file under a size cap, and the
// Recording that reads one back, up to any damage, for replay and reports.
package record
