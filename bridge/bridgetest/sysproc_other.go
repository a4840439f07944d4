//go:build !linux

package bridgetest

import "syscall"

// sysProcAttr has no parent-death signal outside Linux; Cleanup still stops the server.
func sysProcAttr() *syscall.SysProcAttr { return nil }
