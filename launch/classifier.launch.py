"""Launch the MobileNetV4 classifier node.

ros2 launch mobilenetv4_classifier classifier.launch.py model_variant:=conv_medium \
    image_topic:=/camera/image_raw namespace:=cam0 use_sim_time:=true

The launch arguments below are passed after params_file, so they win over it; every other
parameter comes from params_file (default: this package's config/params.yaml).
"""
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue
from launch_ros.substitutions import FindPackageShare


def generate_launch_description():
    arg = LaunchConfiguration
    arguments = [
        DeclareLaunchArgument('namespace', default_value='',
                              description='Namespace of the node and its relative topics'),
        DeclareLaunchArgument('image_topic', default_value='image_raw',
                              description='Input image topic (image_raw is remapped to it; '
                                          'image_raw/compressed to <image_topic>/compressed)'),
        DeclareLaunchArgument('input_transport', default_value='raw', choices=['raw', 'compressed'],
                              description='raw: sensor_msgs/Image; compressed: sensor_msgs/CompressedImage'),
        DeclareLaunchArgument('params_file',
                              default_value=PathJoinSubstitution(
                                  [FindPackageShare('mobilenetv4_classifier'), 'config', 'params.yaml']),
                              description='ROS 2 parameters file'),
        DeclareLaunchArgument('model_variant', default_value='conv_small',
                              description='conv_small, conv_medium or a model registry name'),
        DeclareLaunchArgument('backend', default_value='auto', choices=['auto', 'bpu', 'cpu', 'bpu-sim'],
                              description='Inference backend'),
        DeclareLaunchArgument('num_threads', default_value='2', description='Worker threads, 1..8'),
        DeclareLaunchArgument('use_sim_time', default_value='false',
                              description='Use /clock (true when replaying a bag with ros2 bag play --clock)'),
    ]
    node = Node(
        package='mobilenetv4_classifier',
        executable='classifier_node',
        name='mobilenetv4_classifier',
        namespace=arg('namespace'),
        output='screen',
        emulate_tty=True,
        parameters=[
            arg('params_file'),
            {
                'model_variant': arg('model_variant'),
                'backend': arg('backend'),
                'num_threads': ParameterValue(arg('num_threads'), value_type=int),
                'input_transport': arg('input_transport'),
                'use_sim_time': ParameterValue(arg('use_sim_time'), value_type=bool),
            },
        ],
        remappings=[
            ('image_raw', arg('image_topic')),
            ('image_raw/compressed', [arg('image_topic'), '/compressed']),
        ],
    )
    return LaunchDescription(arguments + [node])
