package bridgetest

import "syscall"

// sysProcAttr kills redis-server when the test binary dies without running its Cleanups
// (a go test -timeout panic, a SIGKILL), so no server outlives the run on a random port.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
