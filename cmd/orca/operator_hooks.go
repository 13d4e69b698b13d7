package main

import (
	"fmt"
	"net/url"
	"strings"
)

// externalURL is --hooks-external-url: an absolute http(s) URL without query or fragment, kept without its
// trailing slash so /hooks/<namespace>/<hook> follows it.
type externalURL struct{ v *string }

func (e externalURL) String() string {
	if e.v == nil {
		return ""
	}
	return *e.v
}

func (e externalURL) Set(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("not a URL: %w", err)
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("want an https:// (or http://) URL, got %q", s)
	case u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?"):
		return fmt.Errorf("want scheme://host[:port][/prefix] without credentials, query or fragment, got %q", s)
	}
	*e.v = strings.TrimRight(s, "/")
	return nil
}

func (externalURL) Type() string { return "url" }
