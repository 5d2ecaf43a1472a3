global using KubeFromScratch.LabApiServer;
global using Xunit;
