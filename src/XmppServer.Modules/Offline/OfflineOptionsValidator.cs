using Microsoft.Extensions.Options;

namespace XmppServer.Modules.Offline;

/// <summary>Checks the [Range] of <see cref="OfflineOptions"/> at start-up.</summary>
[OptionsValidator]
public sealed partial class OfflineOptionsValidator : IValidateOptions<OfflineOptions>;
