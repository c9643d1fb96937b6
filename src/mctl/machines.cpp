// list, status, show: reading the registry.
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "journal/reader.hpp"
#include "machined/procs.hpp"
#include "mctl.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace spawn::mctl {

namespace {

struct Row {
    machined::MachineEntry e;
    std::string os, version;
    std::vector<std::string> addresses;
};

Result<std::vector<Row>> collect(machined::Machined& m) {
    auto list = TRY(m.list());
    std::vector<Row> rows;
    for (auto& e : list) {
        if (e.name == ".host") continue;
        Row r{e, "", "", {}};
        // A ghost is cleared, not listed; one that cannot be cleared (a start
        // of the name holds it) is listed without what only a live leader tells.
        if (target_is_local()) {
            auto info = m.get(e.name);
            if (!info) continue;  // gone meanwhile
            if (!machined::has_running_leader(*info)) {
                if (!cleared_ghost(m, *info)) rows.push_back(std::move(r));
                continue;
            }
        }
        if (auto os = m.os_release(e.name); os) {
            r.os = (*os)["ID"];
            r.version = (*os)["VERSION_ID"];
        }
        if (auto a = m.addresses(e.name); a)
            for (auto& x : *a) r.addresses.push_back(x.address);
        rows.push_back(std::move(r));
    }
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.e.name < b.e.name; });
    return rows;
}

std::string json_or_null(const std::string& s) { return s.empty() ? "null" : json_string(s); }

}  // namespace

std::string shown_addresses(const std::vector<std::string>& addresses, size_t max) {
    std::vector<std::string> shown(addresses.begin(), addresses.begin() + static_cast<long>(std::min(max, addresses.size())));
    std::string out = str::join(shown, " ");
    if (addresses.size() > shown.size()) out += "…";
    return out;
}

int verb_list(const Options& o, const std::vector<std::string>&) {
    auto m = connect();
    if (!m) return fail(m.error());
    auto rows = collect(*m);
    if (!rows) return fail(rows.error());
    if (o.output == "json" || o.output == "json-pretty") {
        std::string out = "[";
        for (size_t i = 0; i < rows->size(); ++i) {
            const auto& r = (*rows)[i];
            std::string addr = r.addresses.empty() ? "null" : json_string(str::join(r.addresses, "\n"));
            out += fmt::format("{}{{\"machine\":{},\"class\":{},\"service\":{},\"os\":{},\"version\":{},\"addresses\":{}}}",
                               i ? "," : "", json_string(r.e.name), json_or_null(r.e.cls), json_or_null(r.e.service),
                               json_or_null(r.os), json_or_null(r.version), addr);
        }
        std::printf("%s]\n", out.c_str());
        return 0;
    }
    if (rows->empty()) {
        if (o.legend) std::printf("No machines.\n");
        return 0;
    }
    Table t({"MACHINE", "CLASS", "SERVICE", "OS", "VERSION", "ADDRESSES"});
    for (const auto& r : *rows) {
        std::string addr = shown_addresses(r.addresses, o.max_addresses);
        t.add({r.e.name, r.e.cls, r.e.service, r.os, r.version, addr});
    }
    std::fputs(t.render(o.legend).c_str(), stdout);
    if (o.legend) std::printf("\n%zu machines listed.\n", rows->size());
    return 0;
}

static std::string ifname(int idx) {
    char buf[IF_NAMESIZE + 1] = "";
    if (!if_indextoname(static_cast<unsigned>(idx), buf)) return std::to_string(idx);
    return buf;
}

static int status_one(machined::Machined& m, const Options& o, const std::string& name, bool first) {
    auto live = live_machine(m, name);
    if (!live) return fail(live.error());
    const auto* info = &live->info;
    if (!first) std::printf("\n");
    std::string id = uuid_is_null(info->id) ? "" : uuid_to_string(info->id);
    std::printf("%s%s\n", info->name.c_str(), id.empty() ? "" : ("(" + id + ")").c_str());
    std::string rel = format_relative(info->timestamp);
    std::printf("\t   Since: %s%s\n", format_timestamp(info->timestamp).c_str(), rel.empty() ? "" : ("; " + rel).c_str());
    if (info->leader > 0) {
        std::string comm;
        FILE* f = !target_is_local() ? nullptr : std::fopen(fmt::format("/proc/{}/comm", info->leader).c_str(), "re");
        if (f) {
            char buf[64] = "";
            if (std::fgets(buf, sizeof buf, f)) comm = buf;
            std::fclose(f);
            if (!comm.empty() && comm.back() == '\n') comm.pop_back();
        }
        std::printf("\t  Leader: %u%s\n", info->leader, comm.empty() ? "" : (" (" + comm + ")").c_str());
    }
    if (!info->service.empty())
        std::printf("\t Service: %s%s\n", info->service.c_str(), info->cls.empty() ? "" : ("; class " + info->cls).c_str());
    if (!info->root_directory.empty()) std::printf("\t    Root: %s\n", info->root_directory.c_str());
    if (!info->network_interfaces.empty()) {
        std::vector<std::string> names;
        for (int i : info->network_interfaces) names.push_back(ifname(i));
        std::printf("\t   Iface: %s\n", str::join(names, " ").c_str());
    }
    if (auto a = m.addresses(name); a && !a->empty()) {
        for (size_t i = 0; i < a->size(); ++i)
            std::printf("\t%s%s\n", i ? "          " : " Address: ", (*a)[i].address.c_str());
    }
    if (auto os = m.os_release(name); os) {
        std::string pretty = (*os)["PRETTY_NAME"];
        if (pretty.empty()) pretty = (*os)["NAME"];
        if (!pretty.empty()) std::printf("\t      OS: %s\n", pretty.c_str());
    }
    if (!info->unit.empty()) {
        std::printf("\t    Unit: %s\n", info->unit.c_str());
        auto cg = target_is_local() ? machined::machine_cgroup(static_cast<pid_t>(info->leader), info->unit)
                                    : Result<std::string>(Error::msg("remote"));
        if (cg) std::fputs(machined::process_tree(*cg, "\t          ").c_str(), stdout);
    }
    std::fflush(stdout);
    // Recent lines of the guest's own journal (as journalctl -M NAME -n 10).
    if (auto root = live->leader ? live->leader->open_root() : Result<UniqueFd>(Error::msg("remote")); root) {
        journal::Query q;
        q.lines = o.lines >= 0 ? o.lines : 10;
        q.format = o.journal_format;
        q.quiet = o.quiet;
        std::string text;
        auto r = journal::read_journal(root->get(), q, [&](const std::string& e) -> Result<void> {
            text += e;
            return {};
        });
        if (!r) log::debug("journal of {}: {}", name, r.error().message());
        if (!text.empty()) std::printf("\n%s", text.c_str());
    }
    return 0;
}

int verb_status(const Options& o, const std::vector<std::string>& args) {
    auto m = connect();
    if (!m) return fail(m.error());
    int rc = 0;
    for (size_t i = 0; i < args.size(); ++i)
        if (status_one(*m, o, args[i], i == 0)) rc = 1;
    return rc;
}

static void print_prop(const Options& o, const std::string& k, const std::string& v, bool empty) {
    if (!o.properties.empty() && std::find(o.properties.begin(), o.properties.end(), k) == o.properties.end()) return;
    if (empty && !o.all && o.properties.empty()) return;
    if (o.value) std::printf("%s\n", v.c_str());
    else std::printf("%s=%s\n", k.c_str(), v.c_str());
}

int verb_show(const Options& o, const std::vector<std::string>& args) {
    auto m = connect();
    if (!m) return fail(m.error());
    if (args.empty()) {
        char* pool = nullptr;
        sd_bus_get_property_string(m->bus(), bus::kMachinedService, bus::kMachinedPath, bus::kMachinedManager, "PoolPath",
                                   nullptr, &pool);
        print_prop(o, "PoolPath", pool ? pool : "", pool == nullptr);
        free(pool);
        return 0;
    }
    int rc = 0;
    for (size_t i = 0; i < args.size(); ++i) {
        auto info = m->get(args[i]);
        if (!info) {
            rc = fail(info.error());
            continue;
        }
        if (i && !o.value) std::printf("\n");
        std::string id = uuid_is_null(info->id) ? "" : uuid_to_string(info->id);
        print_prop(o, "Name", info->name, info->name.empty());
        print_prop(o, "Id", id.empty() ? "00000000000000000000000000000000" : id, false);
        print_prop(o, "Timestamp", format_timestamp(info->timestamp), info->timestamp == 0);
        print_prop(o, "TimestampMonotonic", std::to_string(info->timestamp_monotonic), false);
        print_prop(o, "Service", info->service, info->service.empty());
        print_prop(o, "Unit", info->unit, info->unit.empty());
        print_prop(o, "Leader", std::to_string(info->leader), false);
        print_prop(o, "Class", info->cls, info->cls.empty());
        print_prop(o, "RootDirectory", info->root_directory, info->root_directory.empty());
        std::vector<std::string> ifs;
        for (int x : info->network_interfaces) ifs.push_back(std::to_string(x));
        print_prop(o, "NetworkInterfaces", str::join(ifs, " "), ifs.empty());
        print_prop(o, "State", info->state, info->state.empty());
    }
    return rc;
}

}  // namespace spawn::mctl
