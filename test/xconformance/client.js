// Conformance driver: the official MySQL Connector/Node.js (@mysql/xdevapi, a test tool only) connects to
// Orca's X Protocol server side, runs the steps given as JSON in argv[2] and prints one JSON result line.
// Values that JSON cannot carry are tagged: BigInt -> {"bigint": "..."}, Buffer -> {"hex": "..."},
// Date -> {"date": ISO string}.
'use strict';

const mysqlx = require('@mysql/xdevapi');
const SqlExecute = require('@mysql/xdevapi/lib/DevAPI/SqlExecute');

function tag (value) {
    if (typeof value === 'bigint') {
        return { bigint: value.toString() };
    }
    if (Buffer.isBuffer(value)) {
        return { hex: value.toString('hex') };
    }
    if (value instanceof Date) {
        return { date: value.toISOString() };
    }
    if (Array.isArray(value)) {
        return value.map(tag);
    }
    return value;
}

async function runSQL (session, sql, args) {
    const res = await session.sql(sql).bind(args || []).execute();
    const sets = [];
    do {
        if (!res.hasData()) {
            break;
        }
        const columns = res.getColumns().map(c => ({ name: c.getColumnLabel(), type: c.getType() }));
        const rows = res.fetchAll().map(r => r.map(tag));
        sets.push({ columns, rows });
    } while (res.nextResult());
    return {
        sets,
        affected: res.getAffectedItemsCount(),
        insertId: res.getAutoIncrementValue(),
        warnings: res.getWarnings().map(w => ({ level: w.level, code: w.code, msg: w.msg }))
    };
}

async function ping (session) {
    await SqlExecute(session.getConnection_(), 'ping', [], SqlExecute.Namespace.X_PLUGIN).execute();
    return true;
}

// useDNSServer points node's resolver at one DNS server (Orca's, in tests): resolveSrv for mysqlx+srv, and
// the host lookups of the SRV targets, which node would otherwise ask the system resolver.
function useDNSServer (server) {
    const dns = require('dns');
    dns.setServers([server]);
    dns.promises.setServers([server]);
    dns.lookup = function (hostname, options, callback) {
        if (typeof options === 'function') {
            callback = options;
            options = {};
        }
        dns.resolve4(hostname, (err, addrs) => {
            if (err) {
                return callback(err);
            }
            if (options && options.all) {
                return callback(null, addrs.map(address => ({ address, family: 4 })));
            }
            callback(null, addrs[0], 4);
        });
    };
}

async function main () {
    const spec = JSON.parse(process.argv[2]);
    const out = { ok: true, steps: [] };
    let session;
    if (spec.dnsServer) {
        useDNSServer(spec.dnsServer);
    }
    try {
        session = await mysqlx.getSession(spec.connect);
        for (const step of spec.steps || []) {
            try {
                if (step.ping) {
                    out.steps.push({ ping: await ping(session) });
                } else {
                    out.steps.push(await runSQL(session, step.sql, step.args));
                }
            } catch (err) {
                out.steps.push({ error: { code: err.info ? err.info.code : null, sqlState: err.info ? err.info.sql_state : null, message: err.message } });
            }
        }
        await session.close();
    } catch (err) {
        out.ok = false;
        out.error = { code: err.info ? err.info.code : null, message: err.message };
    }
    process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch(err => {
    process.stdout.write(JSON.stringify({ ok: false, error: { code: null, message: String(err && err.stack) } }) + '\n');
    process.exitCode = 1;
});
