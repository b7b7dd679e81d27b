"""The built-in Västerbotten demo data set (see README.md in this folder)."""

from geodata.demo.build import DemoDataset, build_demo

__all__ = ["DemoDataset", "build_demo"]
