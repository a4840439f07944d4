package cli

// Each subcommand's examples: the last section of its --help and the
// EXAMPLES of its man page. Two or three lines, each a whole command.
const (
	demoExample = `  bridgescope demo
  bridgescope demo --instances 10 --theme light
  bridgescope demo --headless --duration 30s --json`

	watchExample = `  bridgescope watch --redis redis://10.0.0.5:6379 --channels 'bridge:*'
  bridgescope watch --context prod --expect-subscribers 3
  bridgescope watch --headless --duration 1m --json-stream | jq -c .alerts`

	serveExample = `  bridgescope serve --host-key host_ed25519 --authorized-keys team.pub
  bridgescope serve --host-key k --authorized-keys team.pub --ssh 0.0.0.0:2222
  bridgescope serve --host-key k --authorized-keys team.pub --operators ops.pub`

	agentExample = `  bridgescope agent --redis redis://10.0.0.5:6379
  bridgescope agent --id bot-7 --role bot --publish-rate 5
  bridgescope agent --channels bridge:events --metrics-addr :9465`

	validateExample = `  bridgescope validate --instances 5 --duration 30s
  bridgescope validate --rate 500 --json > report.json
  bridgescope validate --fault kill-subscribers@5s --duration 20s`

	benchExample = `  bridgescope bench
  bridgescope bench --rates 1000,max --duration 5s --json
  bridgescope bench --soak 1h --soak-every 5m`

	checkExample = `  bridgescope check --expect 3
  bridgescope check --instances bot-1,bot-2 --format json
  bridgescope check --context prod --per-instance --p99-warn 50ms`

	replayExample = `  bridgescope replay session.rec
  bridgescope replay session.rec --at 03:12:00 --json
  bridgescope replay session.rec --at -30s --markdown`

	reportExample = `  bridgescope report session.rec --html report.html
  bridgescope report session.rec --markdown > report.md`
)
