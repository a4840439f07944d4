package tui

import (
	"image/color"
	"strings"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report/frameimage"
	"github.com/bridgescope/bridgescope/themes"
)

// The page a snapshot's image is drawn on (Config.SnapshotBg).
const (
	BgTheme = "theme" // the theme's own background
	BgLight = "light" // white: a ticket or a wiki page
	BgDark  = "dark"  // a dark page
)

// SnapshotBgs are the valid Config.SnapshotBg values, the default first.
func SnapshotBgs() []string { return []string{BgTheme, BgLight, BgDark} }

// The pages of the light and dark choices and the text drawn on them.
const (
	lightPage, lightText = "#ffffff", "#262626"
	darkPage, darkText   = "#1c1c1c", "#d0d0d0"
)

// ImageColours returns the page and default colours for an image of a
// frame drawn in palette p on the page bg (BgTheme, BgLight or BgDark; an
// unknown one is BgTheme). On a page of the other polarity than the
// palette's own, the frame's greys are mirrored, so light grey text on a
// dark theme becomes dark grey on white, and every glyph is then brought to
// frameimage.MinContrast.
func ImageColours(p themes.Palette, bg string) frameimage.Colours {
	own := frameimage.ParseHex(p.Background)
	page, text := own, frameimage.ParseHex(p.Foreground)
	switch bg {
	case BgLight:
		page, text = frameimage.ParseHex(lightPage), frameimage.ParseHex(lightText)
	case BgDark:
		page, text = frameimage.ParseHex(darkPage), frameimage.ParseHex(darkText)
	}
	return frameimage.Colours{Page: page, Text: text, Mirror: isLight(page) != isLight(own)}
}

func isLight(c color.RGBA) bool {
	return frameimage.Contrast(c, color.RGBA{A: 0xff}) > frameimage.Contrast(c, color.RGBA{R: 255, G: 255, B: 255, A: 255})
}

// frameImage is the frame as frameimage draws it, under a title bar that
// names the Redis (redacted in the snapshot), the observer and the time.
func frameImage(frame string, s metrics.Snapshot, c frameimage.Colours, replay bool) frameimage.Frame {
	// The time first: it is what a ticket needs most and must never be cut;
	// "bridgescope" is in the header bar under it.
	what := ""
	if replay {
		what = "replay "
	}
	title := what + strings.Join([]string{s.At.Format("2006-01-02 15:04:05 MST"), s.Redis, "observer " + s.Observer}, " · ")
	return frameimage.Frame{Grid: frameimage.Parse(frame), Title: title, Colours: c}
}
