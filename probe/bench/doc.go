// Package bench measures the bridge against bare go-redis: paced and max-rate
// lanes in alternating segments, the raw lane beside validate, and the soak.
//
// Every figure is a ratio of two lanes measured in the same run, so a busy
// machine slows both alike.
package bench
