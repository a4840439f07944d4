// Package load drives traffic for the harness, the bench and the soak: a pacer,
// paced and closed-loop publishers over a Lane, a drain, and exact seq sets.
//
// It knows nothing of Redis or the bridge: a Lane is whatever can publish
// event k from instance i and count what was expected and delivered.
package load
