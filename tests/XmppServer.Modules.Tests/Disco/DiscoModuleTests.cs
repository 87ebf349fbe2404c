using Microsoft.Extensions.Options;
using XmppServer.Core.Modules;
using XmppServer.Modules.Disco;
using XmppServer.Modules.Ping;
using XmppServer.Modules.Tests.Testing;
using XmppServer.Modules.Time;
using XmppServer.Modules.Version;
using XmppServer.Protocol;

namespace XmppServer.Modules.Tests.Disco;

public sealed class DiscoModuleTests
{
    private static readonly Jid Server = Jid.Parse("capulet.lit");
    private static readonly Jid Romeo = Jid.Parse("romeo@capulet.lit");

    [Fact]
    public async Task Info_Server_ServerIdentityAndDiscoFeatures()
    {
        var host = CreateHost();
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        var query = await ResultAsync(host, InfoQuery(), session, Server);

        var identity = Assert.Single(query.Elements("identity", Namespaces.DiscoInfo));
        Assert.Equal("server", identity.GetAttribute("category"));
        Assert.Equal("im", identity.GetAttribute("type"));
        Assert.Equal("XmppServer", identity.GetAttribute("name"));
        Assert.Equal([Namespaces.DiscoInfo, Namespaces.DiscoItems], Features(query));
        Assert.Null(query.GetAttribute("node"));
    }

    [Fact]
    public async Task Info_Server_AggregatesModulesSortedWithoutDuplicates()
    {
        var other = new StubModule(m =>
        {
            m.AddFeature("urn:example:b");
            m.AddFeature("urn:example:a");
            m.AddFeature("urn:example:b");
            m.AddFeature(Namespaces.DiscoInfo);
            m.AddFeature("urn:example:account-only", DiscoScope.Account);
            m.AddIdentity("pubsub", "service", "Publish-Subscribe");
            m.AddIdentity("server", "im", "Another name");
            m.AddDiscoExtension(Form("urn:example:form"));
        });
        var host = CreateHost(extra: [other]);
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        var query = await ResultAsync(host, InfoQuery(), session, Server);

        Assert.Equal(
            [Namespaces.DiscoInfo, Namespaces.DiscoItems, "urn:example:a", "urn:example:b"],
            Features(query));
        Assert.Equal(
            ["pubsub/service", "server/im"],
            query.Elements("identity", Namespaces.DiscoInfo).Select(i => i.GetAttribute("category") + "/" + i.GetAttribute("type")).Order(StringComparer.Ordinal));
        Assert.Equal("XmppServer", query.Elements("identity", Namespaces.DiscoInfo).Single(i => i.GetAttribute("category") == "server").GetAttribute("name"));
        Assert.Equal("urn:example:form", FormType(Assert.Single(query.Elements("x", Namespaces.DataForms))));
    }

    [Fact]
    public async Task Info_Server_AllStandardModules_AdvertiseTheirFeatures()
    {
        var host = CreateHost(extra:
        [
            new PingModule(),
            new VersionModule(Options.Create(new VersionOptions())),
            new TimeModule(TimeProvider.System),
        ]);
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        var features = Features(await ResultAsync(host, InfoQuery(), session, Server));

        Assert.Contains(Namespaces.Ping, features);
        Assert.Contains(Namespaces.Version, features);
        Assert.Contains(Namespaces.Time, features);
    }

    [Fact]
    public async Task Info_Server_ResponsesAreIndependentCopies()
    {
        var host = CreateHost();
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");
        var first = await ResultAsync(host, InfoQuery(), session, Server);
        first.AddElement("feature").SetAttribute("var", "urn:example:tampered");

        var second = await ResultAsync(host, InfoQuery(), session, Server);

        Assert.DoesNotContain("urn:example:tampered", Features(second));
    }

    [Fact]
    public async Task Info_Server_UnknownNode_ItemNotFound()
    {
        var host = CreateHost();
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        var result = await host.InvokeIqAsync(InfoQuery(node: "http://jabber.org/protocol/commands"), session, Server);

        Assert.NotNull(result);
        Assert.Equal(StanzaErrorCondition.ItemNotFound, result.Error);
    }

    [Fact]
    public async Task Info_Server_EmptyNode_AnsweredAsNoNode()
    {
        var host = CreateHost();
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        var query = await ResultAsync(host, InfoQuery(node: string.Empty), session, Server);

        Assert.Contains(Namespaces.DiscoInfo, Features(query));
    }

    [Fact]
    public async Task Info_Server_ContactAddresses_ServerInfoForm()
    {
        var options = new DiscoOptions();
        options.ContactAddresses.Abuse.Add("mailto:abuse@capulet.lit");
        options.ContactAddresses.Admin.Add("xmpp:admin@capulet.lit");
        options.ContactAddresses.Admin.Add("mailto:xmpp@capulet.lit");
        var host = CreateHost(options);
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        var query = await ResultAsync(host, InfoQuery(), session, Server);

        var form = Assert.Single(query.Elements("x", Namespaces.DataForms));
        Assert.Equal("result", form.GetAttribute("type"));
        Assert.Equal("http://jabber.org/network/serverinfo", FormType(form));
        Assert.Equal("hidden", form.Elements("field", Namespaces.DataForms).First().GetAttribute("type"));
        Assert.Equal(["mailto:abuse@capulet.lit"], Values(form, "abuse-addresses"));
        Assert.Equal(["xmpp:admin@capulet.lit", "mailto:xmpp@capulet.lit"], Values(form, "admin-addresses"));
        Assert.DoesNotContain(form.Elements("field", Namespaces.DataForms), f => f.GetAttribute("var") == "support-addresses");
    }

    [Fact]
    public async Task Info_Server_NoContactAddresses_NoForm()
    {
        var host = CreateHost();
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        var query = await ResultAsync(host, InfoQuery(), session, Server);

        Assert.Empty(query.Elements("x", Namespaces.DataForms));
    }

    [Fact]
    public async Task Info_OwnAccount_AccountIdentityAndAccountFeaturesOnly()
    {
        var other = new StubModule(m =>
        {
            m.AddFeature("urn:example:server-only");
            m.AddFeature("urn:example:pep", DiscoScope.Account);
            m.AddIdentity("pubsub", "pep", scope: DiscoScope.Account);
            m.AddDiscoExtension(Form("urn:example:account-form"), DiscoScope.Account);
        });
        var host = CreateHost(extra: [other]);
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        var query = await ResultAsync(host, InfoQuery(), session, to: null);

        Assert.Equal(
            ["account/registered", "pubsub/pep"],
            query.Elements("identity", Namespaces.DiscoInfo).Select(i => i.GetAttribute("category") + "/" + i.GetAttribute("type")));
        Assert.Equal([Namespaces.DiscoInfo, Namespaces.DiscoItems, "urn:example:pep"], Features(query));
        Assert.Equal("urn:example:account-form", FormType(Assert.Single(query.Elements("x", Namespaces.DataForms))));
    }

    [Fact]
    public async Task Info_OtherAccount_NoPresenceAccess_ServiceUnavailable()
    {
        var host = CreateHost();
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        var result = await host.InvokeIqAsync(InfoQuery(), session, Romeo);

        Assert.NotNull(result);
        Assert.Equal(StanzaErrorCondition.ServiceUnavailable, result.Error);
    }

    [Fact]
    public async Task Info_OtherAccount_AccessGranted_AccountIdentity()
    {
        var access = new StubAccess(allowed: ("juliet@capulet.lit", "romeo@capulet.lit"));
        var host = CreateHost(access: [access]);
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        var query = await ResultAsync(host, InfoQuery(), session, Romeo);

        Assert.Equal("account", Assert.Single(query.Elements("identity", Namespaces.DiscoInfo)).GetAttribute("category"));
        Assert.Equal(("juliet@capulet.lit/balcony", "romeo@capulet.lit"), access.LastAsked);
    }

    [Fact]
    public async Task Info_OtherAccount_WithNodeAndNoAccess_ServiceUnavailable()
    {
        var host = CreateHost();
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        var result = await host.InvokeIqAsync(InfoQuery(node: "urn:xmpp:microblog:0"), session, Romeo);

        Assert.Equal(StanzaErrorCondition.ServiceUnavailable, result?.Error);
    }

    [Fact]
    public async Task Info_OwnAccount_UnknownNode_ItemNotFound()
    {
        var host = CreateHost();
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        var result = await host.InvokeIqAsync(InfoQuery(node: "urn:xmpp:microblog:0"), session);

        Assert.Equal(StanzaErrorCondition.ItemNotFound, result?.Error);
    }

    [Fact]
    public async Task Items_Server_ConfiguredItemsWithDomainExpanded()
    {
        var options = new DiscoOptions();
        options.Items.Add(new DiscoItemOptions { Jid = "conference.{domain}", Name = "Chatrooms" });
        options.Items.Add(new DiscoItemOptions { Jid = "upload.capulet.lit" });
        var host = CreateHost(options);
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        var query = await ResultAsync(host, ItemsQuery(), session, Server);

        var items = query.Elements("item", Namespaces.DiscoItems).ToList();
        Assert.Equal(["conference.capulet.lit", "upload.capulet.lit"], items.Select(i => i.GetAttribute("jid")));
        Assert.Equal("Chatrooms", items[0].GetAttribute("name"));
        Assert.Null(items[1].GetAttribute("name"));
        Assert.Null(items[1].GetAttribute("node"));
    }

    [Fact]
    public async Task Items_Server_NoneConfigured_EmptyQuery()
    {
        var host = CreateHost();
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        var query = await ResultAsync(host, ItemsQuery(), session, Server);

        Assert.False(query.HasChildren);
        Assert.Equal(Namespaces.DiscoItems, query.Namespace);
    }

    [Fact]
    public async Task Items_Account_EmptyQueryForAnyone()
    {
        var host = CreateHost();
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        var own = await ResultAsync(host, ItemsQuery(), session, to: null);
        var other = await ResultAsync(host, ItemsQuery(), session, Romeo);

        Assert.False(own.HasChildren);
        Assert.False(other.HasChildren);
    }

    [Fact]
    public async Task Items_UnknownNode_ItemNotFound()
    {
        var host = CreateHost();
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");

        var result = await host.InvokeIqAsync(ItemsQuery(node: "rooms"), session, Server);

        Assert.Equal(StanzaErrorCondition.ItemNotFound, result?.Error);
    }

    [Theory]
    [InlineData(Namespaces.DiscoInfo)]
    [InlineData(Namespaces.DiscoItems)]
    public async Task Set_NoHandler_CoreAnswersServiceUnavailable(string ns)
    {
        var host = CreateHost();
        var session = host.Sessions.Add("juliet@capulet.lit/balcony");
        var iq = new XmppElement("iq", Namespaces.Client) { Type = "set", Id = "s1" };
        iq.AddElement("query", ns);

        Assert.Null(await host.InvokeIqAsync(iq, session, Server));
        Assert.False(host.Registry.HasIqHandler(IqType.Set, ns, "query"));
    }

    [Fact]
    public void OptionsValidator_InvalidItemJid_Fails()
    {
        var options = new DiscoOptions();
        options.Items.Add(new DiscoItemOptions { Jid = "conference.{domain}" });
        Assert.True(new DiscoOptionsValidator().Validate(null, options).Succeeded);

        options.Items.Add(new DiscoItemOptions { Jid = "bad@@jid" });
        var result = new DiscoOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Items:1:Jid", result.FailureMessage, StringComparison.Ordinal);
    }

    private static ModuleTestHost CreateHost(DiscoOptions? options = null, IXmppModule[]? extra = null, IDiscoAccountAccess[]? access = null)
        => new(h => [new DiscoModule(() => h.Registry, options ?? new DiscoOptions(), access ?? []), .. extra ?? []]);

    private static async Task<XmppElement> ResultAsync(ModuleTestHost host, XmppElement iq, FakeSession from, Jid? to)
    {
        var result = await host.InvokeIqAsync(iq, from, to);
        Assert.NotNull(result);
        Assert.False(result.IsError, result.Error?.ToString());
        return Assert.IsType<XmppElement>(result.Payload);
    }

    private static XmppElement InfoQuery(string? node = null) => Get(Namespaces.DiscoInfo, node);

    private static XmppElement ItemsQuery(string? node = null) => Get(Namespaces.DiscoItems, node);

    private static XmppElement Get(string ns, string? node)
    {
        var iq = new XmppElement("iq", Namespaces.Client) { Type = "get", Id = "d1" };
        iq.AddElement("query", ns).SetAttribute("node", node);
        return iq;
    }

    private static List<string?> Features(XmppElement query)
        => query.Elements("feature", Namespaces.DiscoInfo).Select(f => f.GetAttribute("var")).ToList();

    private static string? FormType(XmppElement form)
        => form.Elements("field", Namespaces.DataForms).Single(f => f.GetAttribute("var") == "FORM_TYPE").ElementText("value", Namespaces.DataForms);

    private static List<string> Values(XmppElement form, string var)
        => form.Elements("field", Namespaces.DataForms).Single(f => f.GetAttribute("var") == var)
            .Elements("value", Namespaces.DataForms).Select(v => v.Text).ToList();

    private static XmppElement Form(string formType)
    {
        var form = new XmppElement("x", Namespaces.DataForms).SetAttribute("type", "result");
        form.AddElement("field").SetAttribute("var", "FORM_TYPE").SetAttribute("type", "hidden")
            .AddTextElement("value", Namespaces.DataForms, formType);
        return form;
    }

    private sealed class StubModule(Action<IModuleBuilder> configure) : IXmppModule
    {
        public void Configure(IModuleBuilder module) => configure(module);
    }

    private sealed class StubAccess((string Requester, string Account) allowed) : IDiscoAccountAccess
    {
        public (string Requester, string Account)? LastAsked { get; private set; }

        public ValueTask<bool> MayDiscoverAsync(Jid requester, Jid account, CancellationToken cancellationToken)
        {
            LastAsked = (requester.ToString(), account.ToString());
            return ValueTask.FromResult(requester.Bare.ToString() == allowed.Requester && account.ToString() == allowed.Account);
        }
    }
}
