// Package hooks is the webhook receiver of MigrationHooks: POST /hooks/<namespace>/<hook>. A delivery signed as
// its provider signs it (GitHub's X-Hub-Signature-256, GitLab's X-Gitlab-Token or signing token, Standard
// Webhooks) that passes the hook's filters becomes one MigrationRun, named from its delivery id, and is answered
// 202 only once the API server has stored it. A redelivery finds that run and is answered 200; a run that could
// not be stored is answered 503, never 2xx, so the sender may deliver again.
//
// Secrets and payload bodies are never logged. The Server follows miekg/dns: a documented config struct,
// Serve and Shutdown, a started hook for tests.
package hooks
