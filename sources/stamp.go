package sources

import "doradash/model"

// This file holds the parser of RFC 3339 timestamps.

// The supported instants of SPEC (preamble), 1678-01-01T00:00:00Z to
// 2262-04-11T23:47:16Z inclusive, as Unix seconds. Both ends are whole
// seconds, so an instant is in range when its whole seconds (floored) are
// at least firstSec, and at most lastSec with no fraction at lastSec.
const (
	firstSec = -9214560000 // 1678-01-01T00:00:00Z
	lastSec  = 9223372036  // 2262-04-11T23:47:16Z
)

// stampErr says why parseStamp refused a timestamp.
type stampErr uint8

const (
	stampOK       stampErr = iota
	stampSyntax            // not RFC 3339
	stampOutRange          // RFC 3339, but outside the supported range
)

// leapMinute is the second of a UTC day at which a leap second's minute
// starts (23:59:00).
const leapMinute = 23*3600 + 59*60

// parseStamp parses an RFC 3339 timestamp: YYYY-MM-DDTHH:MM:SS, an optional
// fraction (digits beyond nanoseconds are dropped), then Z or ±HH:MM
// (offsets up to ±23:59). As RFC 3339 §5.6 allows, "T" and "Z" may be
// lower case. A leap second, :60 in the last minute of a UTC day
// (23:59:60Z, or 15:59:60-08:00), is taken as the second after :59, so it
// rolls over into the next day; :60 anywhere else is rejected. It returns
// stampSyntax for anything that is not RFC 3339.
//
// The instant, once the offset is applied, the fraction cut to nanoseconds
// and a leap second rolled over, must lie in the supported range
// (firstSec–lastSec, both included): anything else, a "0001-01-01" or
// "9999-12-31" placeholder included, is stampOutRange and rejects its
// record (SPEC §1). The Unix epoch itself, which would be the absent zero
// Stamp, gives EpochStamp.
//
// The optional cache remembers the last date, since consecutive records
// mostly share it.
func parseStamp(b []byte, cache *dateCache) (model.Stamp, stampErr) {
	if len(b) < len("2006-01-02T15:04:05Z") || b[10]|0x20 != 't' || b[13] != ':' || b[16] != ':' {
		return 0, stampSyntax
	}
	var days int64
	if cache != nil && cache.valid && string(b[:10]) == string(cache.date[:]) {
		days = cache.days
	} else {
		year, ok1 := digits(b[0:4])
		month, ok2 := digits(b[5:7])
		day, ok3 := digits(b[8:10])
		if !(ok1 && ok2 && ok3) || b[4] != '-' || b[7] != '-' ||
			month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
			return 0, stampSyntax
		}
		days = daysFromCivil(year, month, day)
		if cache != nil {
			copy(cache.date[:], b)
			cache.days, cache.valid = days, true
		}
	}
	hour, ok1 := digits(b[11:13])
	minute, ok2 := digits(b[14:16])
	sec, ok3 := digits(b[17:19])
	if !(ok1 && ok2 && ok3) || hour > 23 || minute > 59 || sec > 60 {
		return 0, stampSyntax
	}
	rest := b[19:]
	var nsec int64
	if len(rest) >= 2 && rest[0] == '.' && rest[1] >= '0' && rest[1] <= '9' {
		n := 1
		for ; n < len(rest) && rest[n] >= '0' && rest[n] <= '9'; n++ {
			if n <= 9 {
				nsec = nsec*10 + int64(rest[n]-'0')
			}
		}
		for k := n; k <= 9; k++ {
			nsec *= 10
		}
		rest = rest[n:]
	}
	var offset int64
	switch {
	case len(rest) == 1 && rest[0]|0x20 == 'z':
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(rest[1:3])
		om, ok2 := digits(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return 0, stampSyntax
		}
		offset = int64(oh*60+om) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return 0, stampSyntax
	}
	// Seconds (without sec) from 00:00Z of the written date; an offset can
	// move them to the day before or after.
	clock := int64(hour*3600+minute*60) - offset
	if sec == 60 && ((clock%86400)+86400)%86400 != leapMinute {
		return 0, stampSyntax
	}
	// Years 0000–9999 and offsets under a day keep unix far inside int64.
	unix := days*86400 + clock + int64(sec)
	if unix < firstSec || unix > lastSec || (unix == lastSec && nsec > 0) {
		return 0, stampOutRange
	}
	ns := unix*1e9 + nsec // cannot overflow in range
	if ns == 0 {
		return model.EpochStamp, stampOK
	}
	return model.Stamp(ns), stampOK
}

// dateCache holds the last date parseStamp converted.
type dateCache struct {
	date  [10]byte
	days  int64
	valid bool
}

// digits parses b as an unsigned decimal.
func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(month, year int) int {
	switch month {
	case 2:
		if isLeap(year) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days from 1970-01-01 to y-m-d (proleptic
// Gregorian calendar).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400 // floor division: y is -1 for January 0000
	if y < 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
